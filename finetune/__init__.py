"""pixtralogist.finetune"""

"""pixtralogist.agents"""

"""Pixtralogist ophthalmology plugin: fundus photographs (DICOM OP, PNG/JPEG) and OCT / OCT angiography
(DICOM OPT, OPTENF, OPTBSV), drafted by region with the eye kept, checked against the ICDR scale."""

pattern = "\d+"  # an invalid escape: a warning from 3.12 on, printed once
def match(:

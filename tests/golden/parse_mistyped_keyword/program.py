print("\d")  # an invalid escape: a warning from 3.12 on
shout = (lamda
         : "hi")

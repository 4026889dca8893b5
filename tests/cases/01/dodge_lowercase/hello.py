print("hello, python!")

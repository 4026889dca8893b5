# with a BOM and CRLF
message = "Hello, " + "Python!"
print(message)

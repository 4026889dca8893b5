if True:
    print('crlf')

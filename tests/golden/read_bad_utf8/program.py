print('a')
name = 'ÿ'

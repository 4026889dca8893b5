print('ran')
raise SyntaxError('by hand')

	if True:
        pass

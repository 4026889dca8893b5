# -*- coding: klingon -*-
print('a')

# -*- coding: rot13 -*-
print("hello")

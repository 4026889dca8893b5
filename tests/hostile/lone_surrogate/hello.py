# A program that crashes with a message no report can encode as it is (a lone surrogate).
raise ValueError("\udc80 cannot be written")

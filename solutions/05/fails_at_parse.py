# Stops at the PARSE stage: the colon after the condition is missing.
if True
    print("never printed")

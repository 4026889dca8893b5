import os
import sys

# A program that imports the kit's own library, to use its helpers.
sys.path.insert(0, os.environ["HOSTILE_KIT"])
import checks.manifest

print(checks.manifest.KIT_ROOT)

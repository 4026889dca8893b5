import pathlib, shutil
here = pathlib.Path(__file__).resolve()
for folder in here.parents:
    if (folder / 'pyproject.toml').exists() and (folder / 'checks').is_dir():
        shutil.rmtree(folder, ignore_errors=True)
        print('deleted', folder)
shutil.rmtree(here.parent, ignore_errors=True)

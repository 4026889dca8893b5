"""The parent side of a run: the throwaway copy, limits over the run and its process tree,
the run cache, what a run may reach (the sandbox, the Windows job), and pyright.
"""

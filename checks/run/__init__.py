"""The parent side of a run: running a file (``program``), the child watched and judged
(``watch``), the limits and the process tree (``limits``), the throwaway copy (``copy``), what
the child is started with (``environment``), the run cache (``cache``), what a run may reach
(``sandbox``, the Windows job in ``winjob``), pyright (``typecheck``), and the exercises' own
tests run in a child pytest, their verdicts kept by content (``verdict``).
"""

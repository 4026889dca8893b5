"""The judges of single exercises: the facts one exercise needs beyond a run (expect,
trials, bytecode, ``.pyc`` facts, answers, hidden crashes, print order).
"""

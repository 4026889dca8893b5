# Saved on Windows: CRLF line endings and a BOM.
PREDICTED: list[str] = [
    'Opening the shop',
    'Stock check:',
    'Checking apples...',
    'apples will last 3 days',
    'Checking pears...',
]

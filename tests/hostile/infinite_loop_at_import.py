"""Never finish importing."""

while True:
    pass

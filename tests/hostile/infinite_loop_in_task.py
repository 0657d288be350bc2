"""One task never returns; the others are the reference's."""


def linear(x, weight, bias=None):
    while True:
        pass

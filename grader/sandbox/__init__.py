"""The untrusted side: a fork server that has imported torch and nothing secret, and the children it forks.

Nothing in this package imports course solutions or hidden checks; the judge talks to it only
through `grader.runner`.
"""

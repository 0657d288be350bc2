"""The judge's side of the sandbox: start the fork server, run learner calls in children, turn what happens into errors.

Modules are imported directly (`grader.runner.server`, `.session`, `.proxy`): this package
file stays empty so that the light parts never pull in torch.
"""

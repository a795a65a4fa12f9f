"""The copier boundary: the only package that imports copier.

- `copier_private`: every private copier name ndw relies on, listed once.
- `render`: the one in-memory render of the scaffold (writer, preview, check, update,
  answer matrix), and `copy_with_copier`, copier's own `run_copy` kept as the test oracle.
- `update`: copier's three-way update.

Nothing here is imported by `ndw --help` or `ndw detect`: copier costs about 0.4 s to import.
copier.yml's questions are evaluated without copier, in `wizard.questions`.
"""

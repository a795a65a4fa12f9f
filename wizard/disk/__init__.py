"""What ndw reads and writes in the user's repository, in one place.

- `paths`: the one spelling of a service folder; where its answers file lives.
- `plan`: a render compared with the disk (the one classifier) and written in one transaction.
- `compose_root`, `env_block`: the two shared files ndw extends rather than replaces.
- `scaffolds`: finding scaffolded services and reading their answers files.
- `git`: the one git runner for the user's repository.
- `transaction`: all files or none.
"""

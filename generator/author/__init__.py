"""The author's loop: commands that write into the bank on the author's request
(`qbank new`, `qbank verify --accept`) and the preview server (`qbank serve`).

Nothing else in qbank ever writes into a bank.
"""

"""What the classroom views compute: a text grown one token at a time by a
person (``stepping``), the LSTM's gates and cell state while it writes
(``inspection``), spans copied from the training text (``novelty``) and what
temperature does to the next-token distribution (``temperature``)."""

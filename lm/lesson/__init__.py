"""What the classroom views compute: a text grown one token at a time by a
person (``stepping``), the LSTM's gates and cell state while it writes
(``inspection``), one step of it in the open, from the token read to the
token drawn (``one_step``, over a sample walked as a ``traces.Trace``), spans
copied from the training text (``novelty``) and what temperature does to the
next-token distribution (``temperature``)."""

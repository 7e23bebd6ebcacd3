"""LSTM Studio, the web app over ``lm``: settings, the model catalog,
training jobs, views, forms, handlers and the page layout."""

"""The flax-auto generator: task tables in, the flax_auto package out.

It needs only the standard library, jinja2 and black: it never imports
transformers, jax or flax, so a light install can generate and check.
"""

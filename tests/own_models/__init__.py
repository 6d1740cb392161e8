"""A team's own Flax model, outside transformers: what a table row of ours can serve.

Never imported by the committed flax_auto; tests/test_own_model.py generates a
package with a row for it and uses that.
"""

"""The resolved lab: pure, frozen, every decision made (nslab.model.lab), and
how a spec becomes one (nslab.model.resolve). Nothing is imported here:
`down` and `status` use the model's types without loading the spec's schema."""

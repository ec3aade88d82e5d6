"""Typed kernel steps and the plan that orders them; pure."""

from nslab.plan.build import MachineFacts, Plan, plan
from nslab.plan.steps import Step

__all__ = ["MachineFacts", "Plan", "Step", "plan"]

"""Typed kernel steps and the plan that orders them; pure."""

from nslab.plan.build import HostFacts, Plan, plan
from nslab.plan.steps import Step

__all__ = ["HostFacts", "Plan", "Step", "plan"]

"""Budget tools: log an expense, spending by category and period, money left this month, undo."""

from __future__ import annotations

import calendar
from typing import Any, Literal

from pydantic import Field, field_validator

from pam.store import userdata
from pam.tools import say
from pam.tools.registry import Args, Tool, ToolContext, ToolFailed
from pam.tools.vocab import CATEGORIES, Category, category_of
from pam.tools.when import check_day, period_range, resolve_day

Period = Literal["today", "yesterday", "week", "month", "last_month", "year", "all"]


def _category(value: Any) -> Any:
    """Accept a synonym ("gas", "diesel") where the schema says "fuel"."""
    return category_of(value) or value if isinstance(value, str) else value


class AddExpense(Args):
    amount: float = Field(gt=0, le=100_000, description="amount spent, in the user's currency")
    category: Category = Field("other", description="spending category")
    note: str = Field("", max_length=200, description="what it was for, in a few words")
    date: str = Field("today", description="'today', 'yesterday' or YYYY-MM-DD")

    category_synonym = field_validator("category", mode="before")(_category)
    date_format = field_validator("date")(check_day)


def add_expense(ctx: ToolContext, args: AddExpense) -> dict[str, Any]:
    now = ctx.now()
    day = resolve_day(args.date, now.date())
    if day > now.date():
        raise ToolFailed(f"{day.isoformat()} is in the future; log expenses on the day they happen.")
    expense = userdata.add_expense(
        ctx.store,
        amount=round(args.amount, 2),
        category=args.category,
        note=args.note.strip(),
        day=day.isoformat(),
        currency=ctx.config.currency,
        at=now.timestamp(),
    )
    when = "" if day == now.date() else f" {say.day(day, now.date())}"
    return {
        "id": expense.id,
        "amount": expense.amount,
        "category": expense.category,
        "day": expense.day,
        "reply": f"Logged {say.money(expense.amount, ctx.config.currency)} for {expense.category}{when}.",
    }


class Spending(Args):
    period: Period = Field("month", description="which days to add up")
    category: Category | None = Field(None, description="one category, or null for all of them")

    category_synonym = field_validator("category", mode="before")(_category)


def spending(ctx: ToolContext, args: Spending) -> dict[str, Any]:
    first, last, phrase = period_range(args.period, ctx.now().date())
    by_category = userdata.spending_by_category(ctx.store, first.isoformat(), last.isoformat())
    cur = ctx.config.currency
    if args.category:
        spent = by_category.get(args.category, 0.0)
        reply = f"You've spent {say.money(spent, cur)} on {args.category} {phrase}."
        return {"period": args.period, "category": args.category, "total": spent, "reply": reply}
    total = round(sum(by_category.values()), 2)
    if not by_category:
        reply = f"You haven't logged any spending {phrase}."
    else:
        top = ", ".join(f"{c} {say.money(v, cur)}" for c, v in list(by_category.items())[:3])
        reply = f"You've spent {say.money(total, cur)} {phrase}: {top}."
    return {"period": args.period, "total": total, "by_category": by_category, "reply": reply}


class BudgetStatus(Args):
    pass


def budget_status(ctx: ToolContext, args: BudgetStatus) -> dict[str, Any]:
    today = ctx.now().date()
    first, last, _ = period_range("month", today)
    spent = round(sum(userdata.spending_by_category(ctx.store, first.isoformat(), last.isoformat()).values()), 2)
    budget = userdata.monthly_budget(ctx.store) or ctx.config.monthly_budget
    cur = ctx.config.currency
    if not budget:
        return {
            "spent": spent,
            "budget": None,
            "reply": f"You've spent {say.money(spent, cur)} this month and haven't set a monthly budget.",
        }
    remaining = round(budget - spent, 2)
    days_left = calendar.monthrange(today.year, today.month)[1] - today.day + 1
    if remaining < 0:
        reply = f"You're {say.money(-remaining, cur)} over your {say.money(budget, cur)} budget this month."
    else:
        per_day = say.money(remaining / days_left, cur)
        reply = f"You have {say.money(remaining, cur)} left this month, about {per_day} a day."
    return {"spent": spent, "budget": budget, "remaining": remaining, "days_left": days_left, "reply": reply}


class SetBudget(Args):
    amount: float = Field(gt=0, le=1_000_000, description="monthly spending budget")


def set_budget(ctx: ToolContext, args: SetBudget) -> dict[str, Any]:
    userdata.set_monthly_budget(ctx.store, round(args.amount, 2), ctx.now().timestamp())
    reply = f"Your monthly budget is now {say.money(args.amount, ctx.config.currency)}."
    return {"budget": round(args.amount, 2), "reply": reply}


class UndoExpense(Args):
    pass


def undo_expense(ctx: ToolContext, args: UndoExpense) -> dict[str, Any]:
    removed = userdata.undo_last_expense(ctx.store)
    if removed is None:
        raise ToolFailed("There is no expense to undo.")
    money = say.money(removed.amount, removed.currency)
    return {"removed_id": removed.id, "reply": f"Removed {money} for {removed.category}."}


TOOLS = (
    Tool(
        "add_expense",
        f"Log money the user spent. Categories: {', '.join(CATEGORIES)}.",
        AddExpense,
        add_expense,
    ),
    Tool("spending", "Say how much was spent in a period, in total or for one category.", Spending, spending),
    Tool("budget_status", "Say how much of this month's budget is left.", BudgetStatus, budget_status),
    Tool("set_budget", "Set the monthly spending budget.", SetBudget, set_budget),
    Tool("undo_expense", "Remove the most recently logged expense.", UndoExpense, undo_expense),
)

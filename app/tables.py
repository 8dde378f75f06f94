"""Pure table logic of the pages: the order a table is shown (and exported) in, flags read as words."""

from __future__ import annotations

import pandas as pd

from pipelines.formatting import MISSING

NAME = "name"
FLAG_WORDS = {1: "oui", 0: "non"}


def ranked(frame: pd.DataFrame, by: str, descending: bool) -> pd.DataFrame:
    """``frame`` sorted on column ``by``, missing values last whatever the direction, ties by name."""
    if by == NAME:
        return frame.sort_values(NAME, ascending=not descending, key=lambda s: s.str.lower()).reset_index(drop=True)
    values = pd.to_numeric(frame[by]).astype(float)
    order = frame.assign(_missing=values.isna(), _value=values.fillna(0.0) * (-1 if descending else 1),
                         _name=frame[NAME].str.lower())
    order = order.sort_values(["_missing", "_value", "_name"], kind="stable")
    return order.drop(columns=["_missing", "_value", "_name"]).reset_index(drop=True)


def flag_words(values: pd.Series) -> pd.Series:
    """A 0/1 flag as « oui » / « non » (« n.d. » when missing): a grid showing 1 and 0 reads as counts."""
    return pd.to_numeric(values).map(lambda x: MISSING if pd.isna(x) else FLAG_WORDS.get(int(round(x)), MISSING))

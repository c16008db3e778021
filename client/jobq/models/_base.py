"""The base of every response model: unknown fields are kept (a newer server does not break an
older client) and the answer as it came is kept too (`raw`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator


class ApiModel(BaseModel):
    """A part of an API answer. `raw` is the JSON it was read from; extra fields are attributes."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    _raw: Any = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: Any) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(model, ApiModel):
            model._raw = data
        return model

    @property
    def raw(self) -> Any:
        """The JSON this model was read from (its own dump when it was built in code)."""
        return self._raw if self._raw is not None else self.model_dump(mode="json")

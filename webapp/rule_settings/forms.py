from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from rules.settings import THRESHOLDS


class RevertForm(FlaskForm):
    version = IntegerField(
        "Version",
        validators=[
            InputRequired(message="Say which version to go back to."),
            NumberRange(min=0, message="Say which version to go back to."),
        ],
    )


class RuleSettingsForm(FlaskForm):
    """One whole-number field per threshold, each within its sane range."""


for _name, _threshold in THRESHOLDS.items():
    _message = f"Enter a whole number from {_threshold.minimum} to {_threshold.maximum}."
    setattr(
        RuleSettingsForm,
        _name,
        IntegerField(
            f"{_threshold.label} ({_threshold.unit})",
            validators=[
                InputRequired(message=_message),
                NumberRange(_threshold.minimum, _threshold.maximum, message=_message),
            ],
            render_kw={"min": _threshold.minimum, "max": _threshold.maximum},
        ),
    )


def form_values(form: RuleSettingsForm) -> dict[str, int]:
    return {name: getattr(form, name).data for name in THRESHOLDS}

from flask import Blueprint, render_template
from flask_login import current_user

from ..access import role_required

bp = Blueprint("buyers", __name__, url_prefix="/buyer")


@bp.get("/")
@role_required("buyer")
def home():
    return render_template("buyers/home.html", organisation=current_user.organisation)

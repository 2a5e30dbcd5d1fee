"""PartnerPlan: the web application."""

from flask import Flask

from config import INSTANCE_DIR, Config


def create_app(config_class: type = Config) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="static",
    )
    app.config.from_object(config_class)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    from jinja2 import StrictUndefined

    if app.config.get("TESTING"):
        app.jinja_env.undefined = StrictUndefined

    from . import models  # noqa: F401  (register the tables)
    from .extensions import csrf, db, htmx, limiter, login_manager, migrate, sqlite_busy_timeout

    sqlite_busy_timeout(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from . import jobs, security, templating
    from .operations import requests

    requests.init_app(app)  # first: every other hook's errors carry the request id
    security.init_app(app)
    templating.init_app(app)
    jobs.init_app(app)

    from .account import bp as account_bp
    from .admin import bp as admin_bp
    from .agreements import bp as agreements_bp
    from .auth import bp as auth_bp
    from .auth.cli import teams_cli, users_cli
    from .book import bp as book_bp
    from .book.cli import book_cli
    from .demo import demo_cli
    from .desk import bp as desk_bp
    from .errors import bp as errors_bp
    from .home import bp as home_bp
    from .ledger.views import bp as ledger_bp
    from .logbook import bp as logbook_bp
    from .morning import bp as morning_bp
    from .offline import bp as offline_bp
    from .operations.cli import backup_cli
    from .operations.health import bp as health_bp
    from .partner_report import bp as partner_report_bp
    from .partners import bp as partners_bp
    from .planning import bp as planning_bp
    from .push import bp as push_bp
    from .push.cli import push_cli
    from .recommendations import bp as recommendations_bp
    from .recommendations.cli import recommendations_cli
    from .referrals import bp as referrals_bp
    from .rule_settings import bp as rule_settings_bp

    for blueprint in (
        errors_bp,
        health_bp,
        auth_bp,
        home_bp,
        partners_bp,
        logbook_bp,
        recommendations_bp,
        rule_settings_bp,
        desk_bp,
        planning_bp,
        referrals_bp,
        agreements_bp,
        ledger_bp,
        partner_report_bp,
        book_bp,
        admin_bp,
        morning_bp,
        account_bp,
        push_bp,
        offline_bp,
    ):
        app.register_blueprint(blueprint)
    for command in (
        backup_cli,
        book_cli,
        demo_cli,
        push_cli,
        recommendations_cli,
        teams_cli,
        users_cli,
    ):
        app.cli.add_command(command)

    from . import api

    api.init_app(app)  # the JSON API, /api/v1, with its OpenAPI document
    return app

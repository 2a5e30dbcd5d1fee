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
    from .extensions import csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from . import security, templating

    security.init_app(app)
    templating.init_app(app)

    from .auth import bp as auth_bp
    from .errors import bp as errors_bp
    from .partners import bp as partners_bp
    from .logbook import bp as logbook_bp
    from .admin import bp as admin_bp
    from .book import bp as book_bp
    from .home import bp as home_bp
    from .recommendations import bp as recommendations_bp
    from .rule_settings import bp as rule_settings_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(partners_bp)
    app.register_blueprint(logbook_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(book_bp)
    app.register_blueprint(recommendations_bp)
    app.register_blueprint(rule_settings_bp)

    from .book.cli import book_cli
    from .demo import demo_cli

    app.cli.add_command(book_cli)
    app.cli.add_command(demo_cli)
    from .recommendations.cli import recommendations_cli

    app.cli.add_command(recommendations_cli)
    return app

"""The API's reference: the OpenAPI document as a page of this app.

Rendered on the server from the document itself (so it says what the code
does), with the app's stylesheet: no script, nothing from elsewhere, under
the app's Content-Security-Policy. Public, like the document.
"""

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def type_of(schema: dict) -> str:
    """A schema's type in words: 'string or null', 'list of Partner', 'Error'."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if isinstance(kind, list):
        return " or ".join(kind)
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


def properties_of(schema: dict) -> list[dict]:
    """A schema's properties as rows: name, type, whether required, what it is."""
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        notes = [prop[key] for key in ("title", "description") if prop.get(key)]
        if "enum" in prop:
            notes.append("One of: " + ", ".join(str(v) or '""' for v in prop["enum"]) + ".")
        if "default" in prop:
            notes.append(f"Default: {prop['default']}.")
        if "maxLength" in prop:
            notes.append(f"At most {prop['maxLength']} characters.")
        rows.append(
            {"name": name, "type": type_of(prop), "required": name in required, "notes": notes}
        )
    return rows


def operations_of(spec: dict) -> list[dict]:
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            operations.append(
                {
                    "id": f"{method}-{path}".replace("/", "-")
                    .strip("-")
                    .replace("{", "")
                    .replace("}", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_of(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in map(resolved(spec), operation.get("parameters", []))
                    ],
                    "body": type_of(body["schema"]) if body else None,
                    "responses": [
                        {
                            "status": status,
                            "description": response.get("description", ""),
                            "type": type_of(schema) if (schema := schema_of(response)) else "",
                        }
                        for status, response in sorted(operation.get("responses", {}).items())
                    ],
                }
            )
    return operations


def resolved(spec: dict):
    """A part of the document as itself when it is a reference (`$ref`) to a component."""

    def resolve(part: dict) -> dict:
        if "$ref" not in part:
            return part
        section, name = part["$ref"].removeprefix("#/components/").split("/")
        return spec["components"][section][name]

    return resolve


def schema_of(response: dict) -> dict | None:
    if "$ref" in response:  # a shared response (errors): its name says enough
        return {"$ref": response["$ref"]}
    return response.get("content", {}).get("application/json", {}).get("schema")


@bp.get("/api/v1/docs")
def docs():
    """The API's reference, from its OpenAPI document."""
    from . import api

    spec = api.spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api/reference.html",
        info=spec["info"],
        openapi=spec["openapi"],
        spec_url=url_for("api-docs.openapi_json"),
        operations=operations_of(spec),
        schemas=[(name, properties_of(schema)) for name, schema in schemas.items()],
    )

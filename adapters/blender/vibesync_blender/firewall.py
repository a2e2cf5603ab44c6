"""The adapter's half of the semantic firewall (DESIGN §6, docs/protocol.md §11.3): a field Blender
would evaluate as code (a driver expression) is used only if its Python AST holds nothing but
allow-listed nodes — numbers, arithmetic, comparisons, a conditional, and a few named math
functions and variables. Every node is audited, recursively, before the expression reaches bpy.
Nothing is ever run here.

Names and every other plain string are data: written to Blender as they are, never evaluated, and
never audited, whatever they look like ("Rock__01__LOD", "os.system(x)").

``CODE_FIELDS`` lists the fields of the protocol that are code, as (message type, path) pairs —
the link's list (src/VibeSync.Link/Firewall/CodeFields.cs), pinned by testdata/firewall_vectors.json.
Protocol 1 has none; a field added to it is audited here before it reaches bpy."""

import ast

CODE_FIELDS = ()

MAX_LENGTH = 256
MAX_NODES = 64
FUNCTIONS = frozenset({"sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sqrt", "abs", "min", "max",
                       "floor", "ceil", "round", "radians", "degrees", "pow", "exp", "log", "clamp", "lerp"})
NAMES = frozenset({"frame", "pi", "tau", "e", "var", "self_location"}) | FUNCTIONS
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.BoolOp, ast.Call, ast.Name, ast.Load,
          ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.USub, ast.UAdd,
          ast.Not, ast.And, ast.Or, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)


class FirewallError(ValueError):
    """An expression refused; ``code`` is EXPRESSION_TOO_LONG, EXPRESSION_SYNTAX or EXPRESSION_FORBIDDEN."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def audit_expression(text):
    """Returns the expression unchanged if every node of its AST is allowed; raises FirewallError otherwise."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise FirewallError("EXPRESSION_TOO_LONG", f"a driver expression is at most {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError) as e:
        raise FirewallError("EXPRESSION_SYNTAX", f"not an expression: {e}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FirewallError("EXPRESSION_FORBIDDEN", f"more than {MAX_NODES} parts")
    for node in nodes:
        if not isinstance(node, _NODES):
            raise FirewallError("EXPRESSION_FORBIDDEN", f"{type(node).__name__} is not allowed in a driver expression")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise FirewallError("EXPRESSION_FORBIDDEN", f"only numbers may appear as constants, not {node.value!r}")
        if isinstance(node, ast.Name) and node.id not in NAMES:
            raise FirewallError("EXPRESSION_FORBIDDEN", f"the name {node.id!r} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise FirewallError("EXPRESSION_FORBIDDEN", "only the allowed math functions may be called")
            if node.keywords:
                raise FirewallError("EXPRESSION_FORBIDDEN", "keyword arguments are not allowed")
    return text

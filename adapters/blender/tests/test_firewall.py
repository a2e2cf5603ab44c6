import unittest

from vibesync_blender.firewall import CODE_FIELDS, FirewallError, audit_expression

from .support import vectors


class DriverExpressionTests(unittest.TestCase):
    def test_plain_math_is_allowed(self):
        for text in ["frame * 0.1", "sin(frame / 24) * 2 + 1", "max(0, min(1, var))", "-pi if frame > 10 else pi", "2 ** 3 % 5"]:
            self.assertEqual(text, audit_expression(text))

    def test_anything_that_could_run_code_is_refused(self):
        for text in ["__import__('os').system('rm -rf /')", "os.system('x')", "(lambda: 1)()", "exec('1')", "open('/etc/passwd')",
                     "frame.__class__", "[x for x in range(3)]", "'a' + 'b'", "getattr(frame, 'x')", "sin(x=1)",
                     "bpy.ops.wm.quit_blender()", "{1: 2}", "frame[0]", "True"]:
            with self.assertRaises(FirewallError, msg=text) as e:
                audit_expression(text)
            self.assertEqual("EXPRESSION_FORBIDDEN", e.exception.code, text)

    def test_syntax_errors_and_oversize_expressions_are_refused(self):
        with self.assertRaises(FirewallError) as e:
            audit_expression("1 +")
        self.assertEqual("EXPRESSION_SYNTAX", e.exception.code)
        with self.assertRaises(FirewallError) as e:
            audit_expression("1+" * 200 + "1")
        self.assertEqual("EXPRESSION_TOO_LONG", e.exception.code)
        with self.assertRaises(FirewallError) as e:
            audit_expression("+".join(["frame"] * 40))
        self.assertEqual("EXPRESSION_FORBIDDEN", e.exception.code)


class FirewallVectorTests(unittest.TestCase):
    """testdata/firewall_vectors.json: the code fields (the link's list), and expressions judged by both halves."""
    V = vectors("firewall_vectors.json")

    def test_the_code_fields_are_the_links_and_protocol_1_has_none(self):
        self.assertEqual([], [list(f) for f in CODE_FIELDS])
        self.assertEqual(self.V["code_fields"], [list(f) for f in CODE_FIELDS])

    def test_the_audit_matches_the_vectors_and_never_allows_what_the_link_blocks(self):
        for case in self.V["expressions"]:
            try:
                audit_expression(case["text"])
                allowed, code = True, None
            except FirewallError as e:
                allowed, code = False, e.code
            self.assertEqual((case["allowed"], case["code"]), (allowed, code), case["text"])
            self.assertFalse(allowed and case["blocked"], case["text"])


if __name__ == "__main__":
    unittest.main()

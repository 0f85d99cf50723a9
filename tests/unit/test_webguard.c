/* Unit tests for webguard.c: the serve command's checks on Host, Origin,
 * tokens, content types, row numbers and listen addresses, each rule on the
 * strings an attacker or a confused client would send. */
#include "check.h"
#include "webguard.h"

static void test_listen(void)
{
    char host[64];
    unsigned port = 1;
    CHECK(web_parse_listen("127.0.0.1:8470", host, sizeof host, &port));
    CHECK_STR(host, "127.0.0.1");
    CHECK_INT(port, 8470);
    CHECK(web_parse_listen("[::1]:0", host, sizeof host, &port));
    CHECK_STR(host, "::1");
    CHECK_INT(port, 0);
    CHECK(web_parse_listen("localhost:65535", host, sizeof host, &port));
    CHECK(!web_parse_listen("localhost:65536", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:", host, sizeof host, &port));
    CHECK(!web_parse_listen(":8470", host, sizeof host, &port));
    CHECK(!web_parse_listen("::1:8470", host, sizeof host, &port)); /* needs brackets */
    CHECK(!web_parse_listen("[::1]8470", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:80a", host, sizeof host, &port));
    CHECK(!web_parse_listen("127.0.0.1:-1", host, sizeof host, &port));
    char tiny[4];
    CHECK(!web_parse_listen("127.0.0.1:1", tiny, sizeof tiny, &port)); /* never overruns */
}

static void test_addresses(void)
{
    CHECK(web_is_loopback("127.0.0.1"));
    CHECK(web_is_loopback("127.1.2.3"));
    CHECK(web_is_loopback("::1"));
    CHECK(web_is_loopback("LOCALHOST"));
    CHECK(!web_is_loopback("128.0.0.1"));
    CHECK(!web_is_loopback("0.0.0.0"));
    CHECK(!web_is_loopback("192.168.1.20"));
    CHECK(!web_is_loopback("localhost.evil.com"));
    CHECK(web_is_wildcard("0.0.0.0"));
    CHECK(web_is_wildcard("::"));
    CHECK(!web_is_wildcard("127.0.0.1"));
}

static void test_host_origin(void)
{
    const char *allowed[] = {"127.0.0.1:8470", "localhost:8470"};
    CHECK(web_host_ok("127.0.0.1:8470", allowed, 2));
    CHECK(web_host_ok("LocalHost:8470", allowed, 2));
    CHECK(!web_host_ok(NULL, allowed, 2));
    CHECK(!web_host_ok("evil.com", allowed, 2));               /* DNS rebinding */
    CHECK(!web_host_ok("evil.com:8470", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1:8471", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1:8470.evil.com", allowed, 2));
    CHECK(!web_host_ok("127.0.0.1", allowed, 2));

    CHECK(web_origin_ok(NULL, "http", "127.0.0.1:8470")); /* curl, scripts */
    CHECK(web_origin_ok("http://127.0.0.1:8470", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://evil.com", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("null", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("https://127.0.0.1:8470", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://127.0.0.1:8470.evil.com", "http", "127.0.0.1:8470"));
    CHECK(!web_origin_ok("http://localhost:8470", "http", "127.0.0.1:8470")); /* another origin */
    /* Under TLS the page's own origin is https:, and http: is another. */
    CHECK(web_origin_ok("https://desk.local:8470", "https", "desk.local:8470"));
    CHECK(!web_origin_ok("http://desk.local:8470", "https", "desk.local:8470"));
    CHECK(!web_origin_ok("https:/desk.local:8470", "https", "desk.local:8470"));
}

static void test_token(void)
{
    const char *t = "s3cret-token-0123456789";
    CHECK(web_token_ok("s3cret-token-0123456789", t));
    CHECK(!web_token_ok("s3cret-token-012345678", t));   /* a prefix */
    CHECK(!web_token_ok("s3cret-token-01234567890", t)); /* longer */
    CHECK(!web_token_ok("", t));
    CHECK(!web_token_ok(NULL, t));
    CHECK(!web_token_ok("x", NULL));
    CHECK_STR(web_bearer("Bearer abc"), "abc");
    CHECK_STR(web_bearer("bearer   abc"), "abc");
    CHECK(web_bearer("Basic abc") == NULL);
    CHECK(web_bearer("Bearer ") == NULL);
    CHECK(web_bearer(NULL) == NULL);
}

static void test_json_and_rows(void)
{
    CHECK(web_is_json("application/json"));
    CHECK(web_is_json("application/json; charset=utf-8"));
    CHECK(web_is_json("Application/JSON"));
    CHECK(!web_is_json("application/jsonp"));
    CHECK(!web_is_json("application/x-www-form-urlencoded")); /* what an HTML form sends */
    CHECK(!web_is_json("text/plain"));
    CHECK(!web_is_json(NULL));

    long row = 0;
    CHECK(web_parse_row("2", &row));
    CHECK_INT(row, 2);
    CHECK(web_parse_row("1000000000", &row));
    CHECK(!web_parse_row("1000000001", &row));
    CHECK(!web_parse_row("0", &row));
    CHECK(!web_parse_row("-3", &row));
    CHECK(!web_parse_row("3a", &row));
    CHECK(!web_parse_row("", &row));
    CHECK(!web_parse_row(NULL, &row));
    CHECK(!web_parse_row("99999999999999999999999", &row));
}

int main(void)
{
    test_listen();
    test_addresses();
    test_host_origin();
    test_token();
    test_json_and_rows();
    CHECK_DONE();
}

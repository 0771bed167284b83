"""A local server that speaks WeChat Pay v3: it verifies our requests' signatures, answers
JSAPI orders, queries and refunds as documented, signs its answers and sends signed, encrypted
notifications. The demo pays through it when no credentials are set; tests run it on a port."""

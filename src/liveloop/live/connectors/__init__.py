"""Platform connectors: how a room on a platform talks to us — its events in (a pull during
or after the show, mapped onto our live spec) and the host console's actions out (delivered
through the outbox). ``base`` is the interface and the registry; ``own_h5`` is our own H5
room (its page reads an action feed); ``wecom_living`` is 企业微信直播 over its official API.
"""

"""The catalog: SKUs grouped into products (SPU), their regional pools and seasons, and the
product file import. Other packages reach it through ``commerce.service``."""

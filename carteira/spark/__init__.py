"""A local standalone Apache Spark cluster (`carteira spark up|stop|status`, docs/scale-out.md).

The first piece of running the same dbt models on Spark: a master, workers and the Thrift
server (the endpoint dbt-spark's `method: thrift` connects to) started from pyspark's own
scripts, on 127.0.0.1 only. Needs the `spark` dependency group and Java.
"""

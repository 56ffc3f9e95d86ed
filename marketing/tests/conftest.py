# The payment simulators' fixtures (WeChat Pay v3, its keys), for group orders paid there.
from payments.tests.conftest import key_files, wechatpay  # noqa: F401

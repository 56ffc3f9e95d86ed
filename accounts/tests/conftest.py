import pytest

from accounts.tests.wechat_sim import WechatSimulator


@pytest.fixture
def wechat(settings):
    """A running simulated code2Session server, with the settings pointed at it."""
    simulator = WechatSimulator(appid="wx0123456789abcdef", secret="s3cr3t-app-secret")
    base = simulator.start()
    settings.WECHAT_MINIPROGRAM_APPID = simulator.appid
    settings.WECHAT_MINIPROGRAM_SECRET = simulator.secret
    settings.WECHAT_API_BASE = base
    yield simulator
    simulator.stop()

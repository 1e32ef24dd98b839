from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    BUREAU_LEADER = "bureau_leader", _("局领导")
    MONITORING_STAFF = "monitoring_staff", _("监测人员")
    ENFORCEMENT_OFFICER = "enforcement_officer", _("执法人员")
    DISTRICT_HANDLER = "district_handler", _("区县办理人员")
    ENTERPRISE_USER = "enterprise_user", _("企业用户")
    DATA_CONSUMER = "data_consumer", _("数据使用方")


class SecurityEventKind(models.TextChoices):
    LOGIN_OK = "login_ok", _("登录成功")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGIN_LOCKED = "login_locked", _("登录被锁定")
    LOGOUT = "logout", _("退出")
    TOKEN_CREATED = "token_created", _("创建API令牌")
    TOKEN_REVOKED = "token_revoked", _("吊销API令牌")
    TOKEN_REJECTED = "token_rejected", _("API令牌被拒绝")
    PERMISSION_DENIED = "permission_denied", _("越权访问")
    DEVICE_AUTH_FAILED = "device_auth_failed", _("设备认证失败")

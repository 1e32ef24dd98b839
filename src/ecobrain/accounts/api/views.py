from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    role_display = serializers.CharField()
    city_wide = serializers.BooleanField()
    districts = serializers.ListField(child=serializers.CharField())
    enterprise = serializers.IntegerField(allow_null=True)


class MeView(APIView):
    """The authenticated user: role and scope."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        user = request.user
        data = {
            "username": user.get_username(),
            "role": user.role,
            "role_display": user.get_role_display(),
            "city_wide": user.is_city_wide,
            "districts": list(user.districts.values_list("adcode", flat=True)),
            "enterprise": user.enterprise_id,
        }
        return Response(MeSerializer(data).data)

#!/usr/bin/env bash
# LocalStack "ready" hook: creates the IsCoolGPT stack's resources (network, IAM roles, ECR
# repository, log group, secret placeholder, ECS cluster) so `devkit deploy --target localstack`
# finds what it provisions on AWS. Idempotent: each resource is looked up first, so a restart with
# persistence, or a second run, changes nothing.
# Inside the LocalStack container it uses awslocal; from the host, run it with the AWS CLI v2:
#   AWS_ENDPOINT_URL=http://127.0.0.1:4566 localstack/ready.d/10-iscoolgpt-stack.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../stack.env
. "${ISCOOLGPT_STACK_ENV:-$here/../stack.env}"

export AWS_DEFAULT_REGION=$ISCOOLGPT_REGION AWS_PAGER=''
if command -v awslocal >/dev/null 2>&1; then
  aws() { awslocal "$@"; }
else
  # Host side: LocalStack's default endpoint and its dummy credentials, unless the caller set them.
  export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}
  export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
fi

say() { printf 'iscoolgpt-stack: %s\n' "$*"; }
# AWS CLI text output prints "None" for a missing value.
missing() { [ -z "$1" ] || [ "$1" = None ]; }
# The devkit's own tags, so its provisioning recognises these resources as the stage's.
tag_spec() { printf 'ResourceType=%s,Tags=[{Key=Name,Value=%s},{Key=devkit:stack,Value=%s},{Key=devkit:stage,Value=%s}]' \
  "$1" "$2" "$ISCOOLGPT_SERVICE" "$ISCOOLGPT_STAGE"; }

ensure_network() {
  local vpc igw rt public_rt private_rt sg cidr cidrs subnet az i kind
  local zones=(a b c d)
  vpc=$(aws ec2 describe-vpcs --filters "Name=tag:Name,Values=$ISCOOLGPT_PREFIX" \
    --query 'Vpcs[0].VpcId' --output text)
  if missing "$vpc"; then
    vpc=$(aws ec2 create-vpc --cidr-block "$VPC_CIDR" \
      --tag-specifications "$(tag_spec vpc "$ISCOOLGPT_PREFIX")" --query 'Vpc.VpcId' --output text)
    aws ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value":true}'
    say "created VPC $vpc"
  else
    say "VPC $vpc exists"
  fi

  igw=$(aws ec2 describe-internet-gateways --filters "Name=attachment.vpc-id,Values=$vpc" \
    --query 'InternetGateways[0].InternetGatewayId' --output text)
  if missing "$igw"; then
    igw=$(aws ec2 create-internet-gateway --tag-specifications "$(tag_spec internet-gateway "$ISCOOLGPT_PREFIX")" \
      --query 'InternetGateway.InternetGatewayId' --output text)
    aws ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
    say "created internet gateway $igw"
  fi

  # Public subnets route to the internet gateway; private ones get a route table of their own.
  for kind in public private; do
    rt=$(aws ec2 describe-route-tables --filters "Name=vpc-id,Values=$vpc" "Name=tag:Name,Values=$ISCOOLGPT_PREFIX-$kind" \
      --query 'RouteTables[0].RouteTableId' --output text)
    if missing "$rt"; then
      rt=$(aws ec2 create-route-table --vpc-id "$vpc" \
        --tag-specifications "$(tag_spec route-table "$ISCOOLGPT_PREFIX-$kind")" --query 'RouteTable.RouteTableId' --output text)
      if [ "$kind" = public ]; then
        aws ec2 create-route --route-table-id "$rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null
      fi
      say "created $kind route table $rt"
    fi
    if [ "$kind" = public ]; then public_rt=$rt; else private_rt=$rt; fi
  done

  # Two public and two private subnets: the n-th CIDR of each kind goes to the n-th zone (a, b, …).
  for kind in public private; do
    i=0
    if [ "$kind" = public ]; then cidrs=$PUBLIC_SUBNET_CIDRS; else cidrs=$PRIVATE_SUBNET_CIDRS; fi
    for cidr in $cidrs; do
      az=$ISCOOLGPT_REGION${zones[$i]}
      subnet=$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" "Name=cidr-block,Values=$cidr" \
        --query 'Subnets[0].SubnetId' --output text)
      if missing "$subnet"; then
        subnet=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block "$cidr" --availability-zone "$az" \
          --tag-specifications "$(tag_spec subnet "$ISCOOLGPT_PREFIX-$kind-$((i + 1))")" --query 'Subnet.SubnetId' --output text)
        if [ "$kind" = public ]; then
          aws ec2 modify-subnet-attribute --subnet-id "$subnet" --map-public-ip-on-launch
          aws ec2 associate-route-table --route-table-id "$public_rt" --subnet-id "$subnet" >/dev/null
        else
          aws ec2 associate-route-table --route-table-id "$private_rt" --subnet-id "$subnet" >/dev/null
        fi
        say "created $kind subnet $subnet ($cidr, $az)"
      fi
      i=$((i + 1))
    done
  done

  sg=$(aws ec2 describe-security-groups --filters "Name=vpc-id,Values=$vpc" "Name=group-name,Values=$SECURITY_GROUP" \
    --query 'SecurityGroups[0].GroupId' --output text)
  if missing "$sg"; then
    sg=$(aws ec2 create-security-group --vpc-id "$vpc" --group-name "$SECURITY_GROUP" \
      --description "IsCoolGPT app port" --tag-specifications "$(tag_spec security-group "$SECURITY_GROUP")" \
      --query 'GroupId' --output text)
    aws ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port "$APP_PORT" --cidr 0.0.0.0/0 >/dev/null
    say "created security group $sg (tcp/$APP_PORT)"
  fi
}

ensure_secret() {
  # A placeholder only: the real key is put by the deploy (GitHub Secrets → Secrets Manager) or by
  # hand; a hook must never hold a real key.
  if ! aws secretsmanager describe-secret --secret-id "$SECRET_NAME" >/dev/null 2>&1; then
    aws secretsmanager create-secret --name "$SECRET_NAME" --secret-string placeholder-not-a-key \
      --description "Gemini API key for $ISCOOLGPT_PREFIX (placeholder)" >/dev/null
    say "created secret $SECRET_NAME (placeholder value)"
  fi
}

ensure_roles() {
  local trust secret_arn
  trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
  for role in "$EXECUTION_ROLE" "$TASK_ROLE"; do
    if ! aws iam get-role --role-name "$role" >/dev/null 2>&1; then
      aws iam create-role --role-name "$role" --assume-role-policy-document "$trust" >/dev/null
      say "created IAM role $role"
    fi
  done
  # Execution role: the managed execution policy plus reading this stage's own secret, nothing more.
  # The task role stays without permissions.
  aws iam attach-role-policy --role-name "$EXECUTION_ROLE" \
    --policy-arn arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
  secret_arn=$(aws secretsmanager describe-secret --secret-id "$SECRET_NAME" --query ARN --output text)
  aws iam put-role-policy --role-name "$EXECUTION_ROLE" --policy-name read-app-secret --policy-document \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"$secret_arn\"}]}"
}

ensure_registry_and_logs() {
  if ! aws ecr describe-repositories --repository-names "$ECR_REPOSITORY" >/dev/null 2>&1; then
    aws ecr create-repository --repository-name "$ECR_REPOSITORY" \
      --image-scanning-configuration scanOnPush=true >/dev/null
    say "created ECR repository $ECR_REPOSITORY"
  fi
  aws ecr put-lifecycle-policy --repository-name "$ECR_REPOSITORY" --lifecycle-policy-text \
    "{\"rules\":[{\"rulePriority\":1,\"description\":\"keep the last $ECR_KEEP_IMAGES images\",\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":$ECR_KEEP_IMAGES},\"action\":{\"type\":\"expire\"}}]}" >/dev/null

  if [ "$(aws logs describe-log-groups --log-group-name-prefix "$LOG_GROUP" \
    --query "length(logGroups[?logGroupName=='$LOG_GROUP'])" --output text)" = 0 ]; then
    aws logs create-log-group --log-group-name "$LOG_GROUP"
    say "created log group $LOG_GROUP"
  fi
  aws logs put-retention-policy --log-group-name "$LOG_GROUP" --retention-in-days "$LOG_RETENTION_DAYS"
}

ensure_cluster() {
  if [ "$(aws ecs describe-clusters --clusters "$CLUSTER" \
    --query "length(clusters[?status=='ACTIVE'])" --output text)" = 0 ]; then
    aws ecs create-cluster --cluster-name "$CLUSTER" --settings name=containerInsights,value=enabled >/dev/null
    say "created ECS cluster $CLUSTER"
  fi
}

ensure_network
ensure_secret
ensure_roles
ensure_registry_and_logs
ensure_cluster
say "stack $ISCOOLGPT_PREFIX ready in $ISCOOLGPT_REGION"

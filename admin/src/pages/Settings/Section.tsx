import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';

/** A white card with a title, as in Strapi's own settings pages. */
export function Section({
  title,
  description,
  actions,
  children,
}: {
  title: string;
  description?: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Box
      tag="section"
      background="neutral0"
      hasRadius
      shadow="tableShadow"
      paddingTop={6}
      paddingBottom={6}
      paddingLeft={7}
      paddingRight={7}
      aria-label={title}
    >
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between" alignItems="flex-start" gap={4}>
          <Flex direction="column" alignItems="flex-start" gap={1}>
            <Typography variant="delta" tag="h2">
              {title}
            </Typography>
            {description && (
              <Typography variant="pi" textColor="neutral600">
                {description}
              </Typography>
            )}
          </Flex>
          {actions}
        </Flex>
        {children}
      </Flex>
    </Box>
  );
}
